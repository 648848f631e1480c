"""The example CMS project: a stand-in for a user's Django project."""

"""The deployment engine: inventory, hosts, checks, releases. No printing, no Fabric tasks."""

"""What is deployed where and what the environment is doing (``fab releases``, ``fab status``):
``gather`` reads every host in one round trip each, ``reports`` makes the documents."""

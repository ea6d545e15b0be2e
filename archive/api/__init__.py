"""JSON API (and, later, OAI-PMH): the same services as the pages, their own serializers."""

"""Web-framework facts: routes with full paths, error shapes, status codes, GraphQL schemas,
rate limiters and request ids."""

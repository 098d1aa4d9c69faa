"""Services package for task API.

This package contains service-oriented Lambda functions following the Monorepo Service Pattern.
Each service is a complete hexagon with its own domain, models, and handlers.
"""

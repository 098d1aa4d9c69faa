"""
Lambda function helpers for AWS Serverless Ecommerce Platform

To use this, add "shared/src/ecom/" in your requirements.txt for your Lambda
function.
"""

from . import apigateway, eventbridge, helpers
"""CDK constructs of the Personalize shop app.

Named `personalize_constructs`, not `constructs`: a top-level `constructs` package would shadow
the `constructs` library that every CDK app imports (aws/aws-cdk#19301).
"""

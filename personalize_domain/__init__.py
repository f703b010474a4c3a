"""Plain-Python domain of the Personalize shop app: configuration, use cases, schemas, data.

Imports no CDK, so the CLI and the data validator start fast and are tested without synth.
"""

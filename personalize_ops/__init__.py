"""Operating a deployed environment: the `personalize-shop` command line and its AWS calls.

Apart from the packages synth imports (app, stacks, personalize_constructs, personalize_domain),
so `cdk synth` loads neither boto3 nor click; it uses personalize_domain for configuration,
validation and names.
"""

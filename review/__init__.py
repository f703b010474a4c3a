"""Pull-request review of synthesized CloudFormation templates: a summary and a diff in Markdown.

Plain Python (no CDK import), so `python -m review` reads `cdk.out` in well under a second.
"""

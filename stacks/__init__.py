"""CloudFormation stacks: wire constructs, grant permissions, publish outputs."""

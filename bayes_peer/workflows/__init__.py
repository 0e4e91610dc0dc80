"""Use cases: validated inputs in, records of the CLI's JSON contract out."""

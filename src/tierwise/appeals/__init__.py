"""Appeals: restatements of published periods whose data changed since they were run."""

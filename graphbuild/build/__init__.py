"""Runs the steps: the build job, its cache and state, executors, locks, output generations."""

"""`make loadtest`: the mixed workload at ten times a large city's peak on the production layout, with
faults injected while it runs (issue #8). profile.py says what the load is, locustfile.py plays it,
stack.py runs the services, run.py drives a run and checks that nothing accepted was lost, figures.py
turns the request log into the numbers."""

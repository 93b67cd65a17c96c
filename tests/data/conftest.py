# The take-home reference submissions carry their own tests (test_solution.py), run by their
# authors in their own folders; the project's test run does not collect them.
collect_ignore_glob = ["takehome/*"]

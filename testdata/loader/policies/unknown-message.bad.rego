package numgate.extra

# A message id en.yaml does not define.
hint := {"id": "activation.no_such_message", "params": {"n": 1}}

package numgate.extra

# A message whose English template uses {address} and {area}, sent without area.
hint := {"id": "activation.address_outside_area", "params": {"address": "Berlin"}}

"""Running members on a Ray cluster (``--on ray``); Ray is an optional extra.

``connect`` joins the cluster and checks its nodes; ``pool`` runs members there from the
driver (this process), which writes every record; ``worker`` is what runs on the nodes;
``shipment`` is what the driver sends them (the checkpoint and the data the members read).
Nothing here is imported unless ``--on ray`` is given.
"""

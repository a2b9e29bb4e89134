"""One module per page of the web app, each with its ``router`` and its templates (``templates/<page>*``)."""

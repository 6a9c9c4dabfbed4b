"""The wire formats: Dialogflow ES and CX bodies in (Turn) and out (Reply), the surfaces both
share, and the fitting of every answer under Dialogflow's 64 KiB."""

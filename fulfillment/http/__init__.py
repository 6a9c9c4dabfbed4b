"""The door: what every request passes before any dialect is known (refusals, intake, auth,
health) and the one way answers leave (response). Nothing here loads a dialect."""

"""`python -m fulfillment COMMAND`: the developer's command line.

latency-report FILE... [--slo 99:1000] [--plot out.png]   latency per intent from our logs
agent export [--out agent.zip]                              the ES agent, built from intents/
agent push --project P [--location L] [--webhook-url U]     create if absent, restore, connect, train
agent describe|create|connect --project P [--location L]    the agent itself (bootstrap, build)
agent pull --project P [--location L]                       diff the live agent against the code
settings                                                    every environment variable: default, meaning
say "TEXT" --intent NAME [--param k=v] [--url URL] [--cx]   one turn against a running webhook
"""

import sys

from fulfillment.cli import main

sys.exit(main(sys.argv[1:]))

#!/usr/bin/env bash
# Apply the Watchkeeper watch: log-based metric, SLO service + SLO, burn-rate alert, dashboard.
#   PROJECT=my-project FUNCTION=watchkeeper-webhook bash monitoring/apply.sh
# Idempotent enough to re-run: existing objects are updated or left in place.
set -euo pipefail
cd "$(dirname "$0")"
: "${PROJECT:?set PROJECT}"; FUNCTION="${FUNCTION:-watchkeeper-webhook}"
SERVICE_ID="${SERVICE_ID:-watchkeeper-webhook}"; SLO_ID="${SLO_ID:-latency-99-1000ms}"
API="https://monitoring.googleapis.com/v3/projects/${PROJECT}"
auth=(-H "Authorization: Bearer $(gcloud auth print-access-token)" -H "Content-Type: application/json")

sed "s/\${FUNCTION}/${FUNCTION}/" latency_metric.yaml > /tmp/watchkeeper_metric.yaml
gcloud logging metrics create watchkeeper_webhook_latency --project="$PROJECT" \
    --config-from-file=/tmp/watchkeeper_metric.yaml \
  || gcloud logging metrics update watchkeeper_webhook_latency --project="$PROJECT" \
    --config-from-file=/tmp/watchkeeper_metric.yaml

curl -fsS "${auth[@]}" -X POST "${API}/services?serviceId=${SERVICE_ID}" -d @service.json >/dev/null || true
curl -fsS "${auth[@]}" -X POST "${API}/services/${SERVICE_ID}/serviceLevelObjectives?serviceLevelObjectiveId=${SLO_ID}" \
    -d @slo.json >/dev/null \
  || curl -fsS "${auth[@]}" -X PATCH "${API}/services/${SERVICE_ID}/serviceLevelObjectives/${SLO_ID}" -d @slo.json >/dev/null

# The alert notifies through a Pub/Sub channel whose topic pushes to Watchkeeper's /events/alerts
# (README "Signals in"): a burning SLO opens an incident on `watchkeeper` and pages its on-call.
ALERT_TOPIC="${ALERT_TOPIC:-watchkeeper-alerts}"
NUMBER=$(gcloud projects describe "$PROJECT" --format='value(projectNumber)')
gcloud pubsub topics create "$ALERT_TOPIC" --project="$PROJECT" || true
gcloud pubsub topics add-iam-policy-binding "$ALERT_TOPIC" --project="$PROJECT" --role=roles/pubsub.publisher \
    --member="serviceAccount:service-${NUMBER}@gcp-sa-monitoring-notification.iam.gserviceaccount.com" >/dev/null
CHANNEL=$(gcloud beta monitoring channels create --project="$PROJECT" --display-name="Watchkeeper (Pub/Sub)" \
    --type=pubsub --channel-labels="topic=projects/${PROJECT}/topics/${ALERT_TOPIC}" --format='value(name)')

SLO_NAME="projects/${PROJECT}/services/${SERVICE_ID}/serviceLevelObjectives/${SLO_ID}"
sed -e "s#\${SLO_NAME}#${SLO_NAME}#g" -e "s#\${CHANNEL}#${CHANNEL}#g" burn_rate_alert.json > /tmp/watchkeeper_alert.json
gcloud alpha monitoring policies create --project="$PROJECT" --policy-from-file=/tmp/watchkeeper_alert.json
gcloud monitoring dashboards create --project="$PROJECT" --config-from-file=dashboard.json
echo "applied: metric, SLO ${SLO_NAME}, burn-rate alert, dashboard"

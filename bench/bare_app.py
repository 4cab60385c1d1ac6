"""The baseline for the HTTP benchmarks: a bare Flask app returning constant JSON on the benchmarked paths.

Run under the same gunicorn settings as the real app: `gunicorn -w 2 bench.bare_app:app` (from the repo root).
No database, no authentication, no validation: what is left is Flask, WSGI and gunicorn.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask("bare")

SUBJECT = {
    "id": "sub_aaaaaaaaaaaaaaaa",
    "kind": "person",
    "lifecycle": "active",
    "source": "bench",
    "restricted": False,
    "masked": True,
    "profile": {"first_name": "A***", "emails": ["a***@example.com"]},
}
DECISION = {"purpose": "email_marketing", "channel": "email", "subject": "sub_aaaaaaaaaaaaaaaa", "allowed": True}


@app.get("/v1/subjects/<subject_id>")
def subject(subject_id):
    return jsonify(SUBJECT)


@app.get("/v1/consent/check")
def check():
    return jsonify(DECISION)


@app.post("/v1/consent/check")
def check_bulk():
    return jsonify({"items": [DECISION]})

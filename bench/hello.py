"""The ceiling: a bare Flask "hello" app, served by gunicorn exactly like the tracker."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello"

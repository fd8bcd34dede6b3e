#!/bin/sh
# Starts the API on a single host.
set -eu
docker run -d --name api --privileged \
  -v /var/run/docker.sock:/var/run/docker.sock \
  -p 8000:8000 demo/api

#!/usr/bin/env bash
# flash.sh: write a Bridgeward firmware image onto an appliance disk, verified.
#
# The firmware image (A/B slots, signed bundles) arrives with the firmware-image issue.
# Until then this script only explains itself and refuses to touch any disk.
cat >&2 <<'USAGE'
usage: flash.sh IMAGE DEVICE

Writes the firmware IMAGE onto the appliance disk DEVICE and verifies it.
Not available yet: this build has no firmware image (see README, "Firmware image").
USAGE
exit 2

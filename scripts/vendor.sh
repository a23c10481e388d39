#!/usr/bin/env bash
# Re-vendor the front-end packages from the npm registry (run by hand, output is committed).
# Punkt's CSS hard-codes a few icon URLs on Oslo's CDN: they are rewritten to local copies.
set -euo pipefail
cd "$(dirname "$0")/.."
PUNKT_CSS=${PUNKT_CSS:-@oslokommune/punkt-css@16.8.2}
PUNKT_ASSETS=${PUNKT_ASSETS:-@oslokommune/punkt-assets@13.16.0}
AXE=${AXE:-axe-core@4.14.1}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PUNKT_CSS" "$PUNKT_ASSETS" "$AXE" >/dev/null)
for f in "$work"/*.tgz; do d="${f%.tgz}"; mkdir -p "$d"; tar xzf "$f" -C "$d"; done
css=$(echo "$work"/oslokommune-punkt-css-*/package); assets=$(echo "$work"/oslokommune-punkt-assets-*/package); axe=$(echo "$work"/axe-core-*/package)
dest=static/vendor/punkt
rm -rf "$dest"; mkdir -p "$dest/css" "$dest/fonts" "$dest/icons"
cp $css/LICENSE "$dest/LICENSE-punkt-css"; cp $assets/LICENSE "$dest/LICENSE-punkt-assets"
cp $assets/dist/fonts/*.woff2 $assets/dist/fonts/*.woff "$dest/fonts/"
cp $assets/dist/logos/oslologo.svg $assets/dist/logos/favicon.ico $assets/dist/logos/32x32-favicon.svg "$dest/"
# The CDN icons the CSS names, copied locally and the URLs rewritten to ../icons/NAME.svg.
for icon in $(grep -oE 'https://punkt-cdn[^)"]*/icons/[a-z0-9-]+\.svg' $css/dist/css/pkt.min.css | sed 's#.*/##' | sort -u); do
  cp "$assets/dist/icons/$icon" "$dest/icons/$icon"
done
sed -E 's#url\(https://punkt-cdn[^)"]*/icons/([a-z0-9-]+\.svg)\)#url(../icons/\1)#g' $css/dist/css/pkt.min.css > "$dest/css/pkt.min.css"
if grep -q 'https://' "$dest/css/pkt.min.css"; then echo "remote URL left in pkt.min.css" >&2; exit 1; fi
mkdir -p tests/vendor/axe-core
cp $axe/axe.min.js $axe/LICENSE tests/vendor/axe-core/
echo "vendored: $PUNKT_CSS $PUNKT_ASSETS $AXE"

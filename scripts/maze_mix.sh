# maze_mix.sh: sourced by the training scripts (train_maze11_mix.sh, train_maze15.sh).
# write_mix BIN SIZE DST KIND...: writes the kinds into one CSV (one header), atomically; a kind is
# "trm-maze options|rows|seed". BIN is the folder of trm-maze.
write_mix() {
  local bin=$1 size=$2 dst=$3; shift 3
  local tmp=$dst.tmp.$$ part=$dst.part.$$ first=1
  : > "$tmp"
  for k in "$@"; do
    IFS='|' read -r opts rows seed <<< "$k"
    # shellcheck disable=SC2086
    "$bin/trm-maze" --size "$size" $opts --count "$rows" --seed "$seed" --out "$part" --quiet
    if [ $first = 1 ]; then cat "$part" >> "$tmp"; first=0; else tail -n +2 "$part" >> "$tmp"; fi
  done
  rm -f "$part"
  mv "$tmp" "$dst"
}

# mix11_stage2 DST: writes the 11x11 mix model's stage-2 file (models/maze-11x11-mix.safetensors
# as commit c8eac29 held it, before stage 3 replaced it) to DST, unless it is there. The start of
# train_maze11_mix.sh --from-mix and of the 15x15 recipe; needs the git history.
mix11_stage2() {
  local dst=$1
  [ -s "$dst" ] && return 0
  if ! git show c8eac29:models/maze-11x11-mix.safetensors > "$dst.tmp"; then
    rm -f "$dst.tmp"
    echo "${0##*/}: needs the git history: the 11x11 stage-2 model is c8eac29:models/maze-11x11-mix.safetensors" >&2
    exit 2
  fi
  mv "$dst.tmp" "$dst"
}

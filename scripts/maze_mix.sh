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

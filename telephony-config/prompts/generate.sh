#!/usr/bin/env bash
# Generates the standard prompts of telephony-config as 8 kHz mono 16-bit PCM WAV files.
# Speech: espeak-ng (voice en-us); music: sox synth. Debian: apt-get install espeak-ng sox
# The generated files are committed, so the product runs without these tools installed.
# Usage: telephony-config/prompts/generate.sh [output-folder]   (default: this script's folder)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here}"
voice="${ESPEAK_VOICE:-en-us}"
speed="${ESPEAK_SPEED:-150}"

for tool in espeak-ng sox; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "generate.sh: '$tool' is not installed (Debian/Ubuntu: sudo apt-get install espeak-ng sox)" >&2
    exit 1
  fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

count=0

# say NAME TEXT: speak TEXT into $out/NAME.wav (8 kHz, mono, PCM16), trimmed and normalised.
say() {
  local name="$1" text="$2"
  mkdir -p "$out/$(dirname "$name")"
  espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" "$text"
  sox "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$name.wav" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse \
    pad 0.05 0.12 gain -n -3
  count=$((count + 1))
}

# Greetings (DID 1000). Known callers hear: welcome-back, their first name, thanks-again.
say greeting/welcome "Thank you for calling Contact Center."
say greeting/welcome-back "Welcome back,"
say greeting/thanks-again "thank you for calling us again."

# First names for the personal greeting (names/<first name, lower case>); unknown names are simply skipped.
# The list covers the demo customers (Ada Lovelace, Alan Turing and the seeded first names) and common names.
for n in ada alan grace katherine edsger barbara donald frances john margaret dennis radia ken hedy tim sophie \
         niklaus shafi leslie adele linus karen charles mary james robert linda michael sarah david emma olivia \
         sophia liam noah lucas mia anna peter paul maria carlos; do
  say "names/$n" "${n^}"
done

# Menus.
say menu/main "For the status of your service case, press 1. For technical support, press 2. For billing, press 3."
say menu/invalid "Sorry, that is not a valid choice."
say menu/no-input "Sorry, I did not hear your choice."
say menu/anything-else "To speak to an agent, press 0. Otherwise, thank you for calling, and goodbye."
say menu/connecting "Connecting you to an agent."

# Self-service case status: "Your case number 1 2 3 is open."
say case/enter-number "Please enter your case number, followed by the hash key."
say case/your-case "Your case number"
say case/status-is "is"
say case/not-found "Sorry, we could not find a case for you."
say status/open "open, and we are working on it."
say status/pending "pending, and waiting for information from you."
say status/resolved "resolved."
say status/closed "closed."
say status/unknown "being processed."

# Digits for read-back (case numbers).
digit_words=(zero one two three four five six seven eight nine)
for d in 0 1 2 3 4 5 6 7 8 9; do
  say "digits/$d" "${digit_words[$d]}"
done

# Number words for position and wait: 0-19, the tens, hundred.
number_words=(zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen \
              sixteen seventeen eighteen nineteen)
for n in $(seq 0 19); do
  say "numbers/$n" "${number_words[$n]}"
done
tens_words=([20]=twenty [30]=thirty [40]=forty [50]=fifty [60]=sixty [70]=seventy [80]=eighty [90]=ninety)
for n in 20 30 40 50 60 70 80 90; do
  say "numbers/$n" "${tens_words[$n]}"
done
say numbers/hundred "hundred"

# Queue.
say queue/all-busy "All our agents are busy helping other customers. Please stay on the line; your call will be answered in turn."
say queue/position-is "You are caller number"
say queue/wait-is "Your estimated wait time is"
say queue/minute "minute."
say queue/minutes "minutes."
say queue/less-than-a-minute "less than one minute."

# Callback that keeps the caller's place in the queue.
say callback/offer "To be called back without losing your place in the queue, press 1. To keep waiting, stay on the line."
say callback/confirmed "Thank you. We will call you back at the number you are calling from, as soon as an agent is free. Goodbye."

# Voicemail (a queue's maxWaitAction: voicemail, or an IVR voicemail node): greeting, beep, thanks.
say voicemail/greeting "No one can take your call right now. Please leave a message after the tone, and press hash when you are done."
say voicemail/saved "Thank you. Your message has been saved, and we will call you back. Goodbye."
say voicemail/not-saved "Sorry, we did not receive a message. Goodbye."
sox -n -r 8000 -c 1 -b 16 -e signed-integer "$out/voicemail/beep.wav" synth 0.4 sine 1000 fade 0.01 0.4 0.02 gain -8 pad 0.1 0.1
count=$((count + 1))

# Closing, hours, transfer.
say goodbye "Thank you for calling. Goodbye."

# Overload (a DID with whenOverloaded: announce plays it to calls the gateway refuses, then hangs up).
say overload/all-lines-busy "All our lines are busy right now. Please call again in a few minutes. Goodbye."
say hours/closed "We are closed right now. Our opening hours are Monday to Friday, from eight in the morning to six in the evening."
say transfer/transferring "Please hold while we transfer your call."

# Hold music: a soft four-chord progression (C, A minor, F, G) of plucked notes, twice; 16 s, looped by the queue.
mkdir -p "$out/music"
chords=("C4 E4 G4" "A3 C4 E4" "F3 A3 C4" "G3 B3 D4")
parts=()
i=0
for chord in "${chords[@]}" "${chords[@]}"; do
  read -r a b c <<<"$chord"
  sox -n -r 8000 -c 1 -b 16 "$tmp/chord$i.wav" synth 2 pluck "$a" pluck "$b" pluck "$c" \
    channels 1 fade 0.02 2 0.4 gain -n -12
  parts+=("$tmp/chord$i.wav")
  i=$((i + 1))
done
sox "${parts[@]}" -r 8000 -c 1 -b 16 -e signed-integer "$out/music/hold.wav"
count=$((count + 1))

# Comfort tone: a gentle 440 Hz beep every 4 s (for queues that prefer a tone to music).
sox -n -r 8000 -c 1 -b 16 -e signed-integer "$out/music/comfort-tone.wav" synth 0.25 sine 440 fade 0.02 0.25 0.05 gain -15 pad 0 3.75
count=$((count + 1))

# What the agent hears on a callback while the customer is dialled: a short announcement, then ringback
# (UK cadence: 400+450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off), looped until the customer answers.
say callback/agent-intro "Callback. Dialling the customer now."
sox -n -r 8000 -c 1 -b 16 "$tmp/ring-on.wav" synth 0.4 sine 400 sine 450 channels 1 gain -n -14
sox -n -r 8000 -c 1 -b 16 "$tmp/ring-gap.wav" trim 0 0.2
sox -n -r 8000 -c 1 -b 16 "$tmp/ring-rest.wav" trim 0 2.0
sox "$tmp/ring-on.wav" "$tmp/ring-gap.wav" "$tmp/ring-on.wav" "$tmp/ring-rest.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/callback/ringback.wav"
count=$((count + 1))

echo "generate.sh: wrote $count prompts (8 kHz mono PCM16) under $out"

import { describe, expect, it } from 'vitest';
import { CommandLineError, splitCommand } from './shell-words.js';

describe('splitCommand', () => {
  it.each([
    ['echo hello', ['echo', 'hello']],
    ['  echo   spaced\targs\n', ['echo', 'spaced', 'args']],
    ['', []],
    ['   ', []],
    [`printf '%s|' "a b" 'c d' e\\ f`, ['printf', '%s|', 'a b', 'c d', 'e f']],
    [`echo "" ''`, ['echo', '', '']],
    [`echo a""b 'c'"d"e`, ['echo', 'ab', 'cde']],
    [`echo '$HOME' "$HOME" $HOME ~ *`, ['echo', '$HOME', '$HOME', '$HOME', '~', '*']],
    [`echo 'it\\'s'`, null],
    [`echo 'back\\slash'`, ['echo', 'back\\slash']],
    [`echo "q\\"uote" "back\\\\" "keep\\n" "\\$x"`, ['echo', 'q"uote', 'back\\', 'keep\\n', '$x']],
    [`echo "semi;colon" 'pipe|' "a&&b" '>out'`, ['echo', 'semi;colon', 'pipe|', 'a&&b', '>out']],
    [`echo \\| \\; \\>`, ['echo', '|', ';', '>']],
    ['echo "multi\nline"', ['echo', 'multi\nline']],
    ['echo one\\\ntwo', ['echo', 'onetwo']],
    [`sh -c 'sleep 30 & sleep 30'`, ['sh', '-c', 'sleep 30 & sleep 30']],
    ['/usr/bin/env FOO=bar printenv FOO', ['/usr/bin/env', 'FOO=bar', 'printenv', 'FOO']],
    ['echo héllo "wörld €"', ['echo', 'héllo', 'wörld €']],
  ])('%j → %j', (line, words) => {
    if (words === null) {
      expect(() => splitCommand(line)).toThrow(CommandLineError);
    } else {
      expect(splitCommand(line)).toEqual(words);
    }
  });

  it.each([
    [`echo 'open`, 'shell: unterminated single quote in command'],
    [`echo "open`, 'shell: unterminated double quote in command'],
    ['echo trailing\\', 'shell: command ends with a lone backslash'],
  ])('refuses %j', (line, message) => {
    expect(() => splitCommand(line)).toThrow(message);
  });

  it.each(['echo a | wc', 'echo a; rm x', 'echo a > out', 'sleep 1 &', 'cat < in', 'a&&b'])(
    'refuses the unquoted operator in %j instead of silently dropping the rest',
    (line) => {
      expect(() => splitCommand(line)).toThrow(/needs a shell; set "shell": "true" or quote it/);
    },
  );
});

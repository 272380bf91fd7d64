import { createInterface } from "node:readline";
import { hashPassword } from "../auth/password-hash.js";

// `hash-password`: reads a password from standard input (prompting without echo
// on a terminal) and prints its scrypt hash for admin.passwordHash.
export async function hashPasswordCommand(): Promise<string> {
  const password = process.stdin.isTTY ? await prompt("Password: ") : await readAll();
  if (!password)
    throw new Error(
      "empty password: type one, or pipe it in (echo -n 'secret' | hotswap-receiver hash-password)",
    );
  return `${await hashPassword(password)}\n`;
}

async function readAll(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, "");
}

function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    output._writeToOutput = () => {};
  });
}

/** What a password field holds: the text typed, and (when editing something that has one) whether to remove it. */
export interface PasswordChoice {
  text: string
  remove: boolean
}

export const NO_PASSWORD: PasswordChoice = { text: '', remove: false }

/** What to send: a new password, null to remove the current one, undefined to leave things as they are. */
export function passwordToSend(choice: PasswordChoice): string | null | undefined {
  if (choice.remove) return null
  return choice.text === '' ? undefined : choice.text
}

/** Why the typed password cannot be sent, or null when it can (an empty field is no password). */
export function passwordProblem(choice: PasswordChoice, minLength: number): string | null {
  if (choice.remove || choice.text === '' || choice.text.length >= minLength) return null
  return `Choose a password of at least ${minLength} characters, or leave it empty.`
}

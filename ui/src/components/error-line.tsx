// A failed load or action, shown where it happened.
export function ErrorLine({ message }: { message: string | undefined }) {
  return message ? (
    <p class="error" role="alert">
      {message}
    </p>
  ) : null;
}

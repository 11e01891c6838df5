import type { FieldErrors } from '../../errors.ts';

/** An editor box's message and the attributes that tie it to its box for screen readers. */
export const boxHelpers = (errors: FieldErrors) => ({
  Problem: ({ box }: { box: string }) =>
    errors[box] ? (
      <p class="error" id={`${box}-error`}>
        {errors[box].join(' ')}
      </p>
    ) : null,
  described: (box: string) => (errors[box] ? { 'aria-invalid': 'true', 'aria-describedby': `${box}-error` } : {}),
});

export type BoxHelpers = ReturnType<typeof boxHelpers>;

/** Thrown by `checkTemplates` and `NoticeRenderer.fromChecked` with every problem found in the templates directory. */
export class TemplateCheckError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Notice templates failed the boot check (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'TemplateCheckError';
  }
}

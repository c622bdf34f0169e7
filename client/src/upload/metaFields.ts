import type { DashboardOptions } from '@uppy/dashboard'
import type { TusBody } from '@uppy/tus'
import type { UploadMeta } from './uploadMeta'

// The package exports the option type only, not its MetaField element type.
type MetaField = Extract<NonNullable<DashboardOptions<UploadMeta, TusBody>['metaFields']>, unknown[]>[number]

/** Editable per file in the Dashboard before upload; `name` is sent as the server's `filename`. */
export const metaFields: MetaField[] = [
  { id: 'name', name: 'File name', placeholder: 'Name to store the file under' },
  { id: 'title', name: 'Title', placeholder: 'Optional' },
  {
    id: 'description',
    name: 'Description',
    // A textarea, since descriptions run longer than a line; the id keeps the label attached.
    render: ({ value, onChange, fieldCSSClasses, form }, h) =>
      h('textarea', {
        id: 'uppy-Dashboard-FileCard-input-description',
        class: fieldCSSClasses.text,
        form,
        rows: 3,
        value,
        placeholder: 'Optional',
        onInput: (event: Event) => onChange((event.target as HTMLTextAreaElement).value),
      }),
  },
]

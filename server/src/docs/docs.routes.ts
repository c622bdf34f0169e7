import { apiDocument, docsRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { stringify } from 'yaml';
import { contractRouter } from '../http/route.js';

/** The version of the public API the document describes (the contract's, not the package's). */
export const API_VERSION = '1.0.0';

/** `/openapi.json` and `/openapi.yaml`: generated once at start from the schemas that validate requests. */
export function docsRoutes(): Router {
  const document = apiDocument(API_VERSION);
  const yaml = stringify(document, { aliasDuplicateObjects: false });
  return contractRouter('')
    .on(routes.json, () => document)
    .on(routes.yaml, (_input, _req, res) => {
      res.type('application/yaml').send(yaml);
    });
}

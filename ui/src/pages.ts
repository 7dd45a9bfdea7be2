// The dashboard's pages, in nav order: adding a page is one component in pages/ and one line here.
import type { FunctionComponent } from 'preact';
import { OverviewPage } from './pages/overview.tsx';
import { KeysPage } from './pages/keys.tsx';

export interface Page {
  /** The URL fragment: #/<id>. */
  id: string;
  title: string;
  component: FunctionComponent;
}

export const PAGES: readonly Page[] = [
  { id: 'overview', title: 'Overview', component: OverviewPage },
  { id: 'keys', title: 'Keys', component: KeysPage },
];

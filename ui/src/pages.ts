// The dashboard's pages, in nav order: adding a page is one component in pages/ and one line here.
import type { FunctionComponent } from 'preact';
import { OverviewPage } from './pages/overview.tsx';
import { KeysPage } from './pages/keys.tsx';
import { TeamsPage } from './pages/teams.tsx';
import { SpendPage } from './pages/spend.tsx';
import { CachePage } from './pages/cache.tsx';
import { PiiPage } from './pages/pii.tsx';
import { AnomaliesPage } from './pages/anomalies.tsx';
import { RequestsPage } from './pages/requests.tsx';

export interface Page {
  /** The URL fragment: #/<id>. */
  id: string;
  title: string;
  component: FunctionComponent;
}

export const PAGES: readonly Page[] = [
  { id: 'overview', title: 'Overview', component: OverviewPage },
  { id: 'keys', title: 'Keys', component: KeysPage },
  { id: 'teams', title: 'Teams', component: TeamsPage },
  { id: 'spend', title: 'Spend', component: SpendPage },
  { id: 'cache', title: 'Cache', component: CachePage },
  { id: 'pii', title: 'PII', component: PiiPage },
  { id: 'anomalies', title: 'Anomalies', component: AnomaliesPage },
  { id: 'requests', title: 'Requests', component: RequestsPage },
];

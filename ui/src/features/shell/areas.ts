import type { Area } from '../../app/state';
import type { IconName } from '../../ui/Icon';

export interface AreaInfo {
  id: Area;
  label: string;
  icon: IconName;
}

/** The sidebar's areas, in order; Ctrl+1…7 follow this order. */
export const AREA_INFO: readonly AreaInfo[] = [
  { id: 'functions', label: 'Functions', icon: 'functions' },
  { id: 'triggers', label: 'Triggers', icon: 'triggers' },
  { id: 'security', label: 'Security', icon: 'security' },
  { id: 'run', label: 'Run & Logs', icon: 'run' },
  { id: 'deploy', label: 'Deploy', icon: 'deploy' },
  { id: 'history', label: 'History', icon: 'history' },
  { id: 'accounts', label: 'Accounts', icon: 'accounts' },
];

// A small set of line icons (24×24 grid, drawn with currentColor) so the app needs no icon font.

const PATHS = {
  functions: 'M7 4h3.5a2 2 0 0 1 2 1.7l1.9 12.6a2 2 0 0 0 2 1.7H18M6 12h9',
  triggers: 'M13 3 5 14h6l-1 7 8-11h-6l1-7Z',
  security: 'M12 3 5 6v5c0 4.5 3 8.3 7 10 4-1.7 7-5.5 7-10V6l-7-3Zm-3 9 2 2 4-4',
  run: 'M4 5h16v14H4zM8 9l3 3-3 3M13 15h3',
  deploy: 'M12 16V4m0 0-4 4m4-4 4 4M5 14v4a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-4',
  history: 'M3 12a9 9 0 1 0 3-6.7M3 4v4h4M12 7v5l3 2',
  accounts: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-7 8a7 7 0 0 1 14 0',
  folder: 'M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7Z',
  file: 'M6 3h8l4 4v14H6V3Zm8 0v4h4',
  chevron: 'm9 6 6 6-6 6',
  close: 'M6 6l12 12M18 6 6 18',
  plus: 'M12 5v14M5 12h14',
  reload: 'M20 11a8 8 0 1 0-2.3 5.7M20 5v6h-6',
  save: 'M5 4h11l3 3v13H5V4Zm3 0v5h7V4M8 20v-6h8v6',
  warning: 'M12 4 2.5 20h19L12 4Zm0 6v4m0 3v.01',
  error: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm0 5v5m0 3v.01',
  info: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm0 8v5m0-8v.01',
  trash: 'M5 7h14M10 11v6m4-6v6M6 7l1 13h10l1-13M9 7V4h6v3',
  sample: 'M4 6h16M4 12h16M4 18h10',
  open: 'M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v1M3 7v10a2 2 0 0 0 2 2h12l4-8H7l-4 8',
  sparkle: 'M12 3v4m0 10v4M3 12h4m10 0h4M6 6l2.5 2.5M15.5 15.5 18 18M6 18l2.5-2.5M15.5 8.5 18 6',
  logo: 'M5 4h9l-2 5h6L8 21l2.5-8H5l3-9Z',
  edit: 'M4 20h4L19 9l-4-4L4 16v4Zm9-13 4 4',
  key: 'M11 12a3.5 3.5 0 1 1-7 0 3.5 3.5 0 0 1 7 0Zm0 0h10m-3 0v3m-3-3v2',
  branch: 'M7 4v10m0 0a3 3 0 1 0 0 6 3 3 0 0 0 0-6Zm10-8a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm0 0c0 5-10 3-10 8',
  compare: 'M8 4v16M16 4v16M4 8h4M16 16h4M4 16h4M16 8h4',
  checkpoint: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8Zm0-5v5m0 8v5',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}

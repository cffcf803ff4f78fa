/// <reference types="vite/client" />

declare module 'virtual:stations' {
  /** "IDENT,lat,lon" lines (1 decimal), from domain/pirep/locations.csv.gz */
  const csv: string;
  export default csv;
}

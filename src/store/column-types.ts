import type { ColumnDefinitionBuilder } from 'kysely';

/** How ids and serial keys are spelled on each database. */
export interface ColumnTypes {
  idType: 'bigint' | 'integer';
  serialPrimaryKey: (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

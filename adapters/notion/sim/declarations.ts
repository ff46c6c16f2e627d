// The request and answer bodies the Notion simulator validates, named from the typed
// declarations of the official JavaScript SDK. How notion-client-schemas.json was made:
//
//   cd "$(mktemp -d)" && npm pack @notionhq/client@5.26.0 && tar xzf notionhq-client-5.26.0.tgz
//   mkdir -p node_modules/@notionhq && cp -r package node_modules/@notionhq/client
//   npm install ts-json-schema-generator@2.9.0
//   cp <this file> types.ts   # with a tsconfig.json: {"files": ["types.ts"], strict, moduleResolution node}
//   npx ts-json-schema-generator --path types.ts --tsconfig tsconfig.json --type '*' \
//       --expose export --no-type-check -o notion-client-schemas.json
//
// (then the definitions were written sorted and compact, with a "$comment" naming the versions).
// The *Parameters types hold path, query and body parameters together; `spec.py` drops
// the path and query ones (`page_id`, `block_id`, `data_source_id`, `filter_properties`)
// from the body schemas when it loads them. (Omit<> over these unions is mis-generated.)
import type {
  CreatePageParameters, UpdatePageParameters, AppendBlockChildrenParameters,
  UpdateBlockParameters, QueryDataSourceParameters, UpdateDataSourceParameters,
  SearchParameters,
} from "@notionhq/client/build/src/api-endpoints";
import type {
  PageObjectResponse, BlockObjectResponse, DataSourceObjectResponse,
  QueryDataSourceResponse, ListBlockChildrenResponse, AppendBlockChildrenResponse,
  SearchResponse, UserObjectResponse, ListUsersResponse,
} from "@notionhq/client/build/src/api-endpoints";
export type CreatePageBody = CreatePageParameters;
export type UpdatePageBody = UpdatePageParameters;
export type AppendBlockChildrenBody = AppendBlockChildrenParameters;
export type UpdateBlockBody = UpdateBlockParameters;
export type QueryDataSourceBody = QueryDataSourceParameters;
export type UpdateDataSourceBody = UpdateDataSourceParameters;
export type SearchBody = SearchParameters;
export type Page = PageObjectResponse;
export type Block = BlockObjectResponse;
export type DataSource = DataSourceObjectResponse;
export type QueryDataSourceAnswer = QueryDataSourceResponse;
export type ListBlockChildrenAnswer = ListBlockChildrenResponse;
export type AppendBlockChildrenAnswer = AppendBlockChildrenResponse;
export type SearchAnswer = SearchResponse;
export type User = UserObjectResponse;
export type ListUsersAnswer = ListUsersResponse;

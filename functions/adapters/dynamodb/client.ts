import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { MARSHALL_OPTIONS } from './table';
import { boundByDeadline } from '../deadline';
import { keepAliveRequestHandler } from '../keep-alive';

let base: DynamoDBClient | undefined;
let document: DynamoDBDocumentClient | undefined;

/** Built on first use and kept for the life of the Lambda container; the endpoint is overridable for DynamoDB Local. */
export function dynamodbClient(): DynamoDBClient {
  base ??= boundByDeadline(new DynamoDBClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint, requestHandler: keepAliveRequestHandler() }));
  return base;
}

/** The stores' client, over the same base client (and so the same connections). */
export function dynamodbDocumentClient(): DynamoDBDocumentClient {
  document ??= boundByDeadline(DynamoDBDocumentClient.from(dynamodbClient(), { marshallOptions: MARSHALL_OPTIONS }));
  return document;
}

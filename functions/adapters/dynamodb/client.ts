import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { MARSHALL_OPTIONS } from './table';
import { boundByDeadline } from '../deadline';

/** Shared for the life of the Lambda container; the endpoint is overridable for DynamoDB Local. */
export const dynamodbBase = boundByDeadline(new DynamoDBClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint }));

export const dynamodb = boundByDeadline(DynamoDBDocumentClient.from(dynamodbBase, { marshallOptions: MARSHALL_OPTIONS }));

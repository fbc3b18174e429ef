import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';

/** Shared for the life of the Lambda container; the endpoint is overridable for DynamoDB Local. */
export const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: config.awsRegion, endpoint: config.dynamodbEndpoint }),
  { marshallOptions: { removeUndefinedValues: true } },
);

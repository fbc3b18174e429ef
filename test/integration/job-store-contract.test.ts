import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, inject } from 'vitest';
import { DynamoDbJobStore } from '../../functions/adapters/dynamodb/job-store';
import { MARSHALL_OPTIONS } from '../../functions/adapters/dynamodb/table';
import { TABLE_NAME } from '../../infra/local/stack';
import { jobStoreContract } from '../support/contracts/job-store';

describe('DynamoDbJobStore on DynamoDB Local', () => {
  let store: DynamoDbJobStore;

  beforeAll(() => {
    const base = new DynamoDBClient({ endpoint: inject('stack').dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    store = new DynamoDbJobStore(DynamoDBDocumentClient.from(base, { marshallOptions: MARSHALL_OPTIONS }), TABLE_NAME);
  });

  jobStoreContract(() => store);
});

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { config } from './config';
import { boundByDeadline } from './deadline';

/** Shared for the life of the Lambda container; endpoints overridable for the local stack. */
export const stepFunctions = boundByDeadline(new SFNClient({ region: config.awsRegion, endpoint: config.stepFunctionsEndpoint }));
export const eventBridge = boundByDeadline(new EventBridgeClient({ region: config.awsRegion, endpoint: config.eventBridgeEndpoint }));
export const rds = boundByDeadline(new RDSClient({ region: config.awsRegion }));
export const sts = boundByDeadline(new STSClient({ region: config.awsRegion }));

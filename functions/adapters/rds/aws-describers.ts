import type { DatabaseDescriber, IdentityReader } from '../../core/dbroles/ports';
import { RdsDatabaseDescriber, StsIdentityReader } from './describer';
import { rdsClient } from './rds-client';
import { stsClient } from './sts-client';

/** RDS and STS through the SDK (the RDS client alone is ~95 KiB of bundle: its module is loaded on demand). */
export function awsDescribers(): { describer: DatabaseDescriber; identity: IdentityReader } {
  return { describer: new RdsDatabaseDescriber(rdsClient()), identity: new StsIdentityReader(stsClient()) };
}

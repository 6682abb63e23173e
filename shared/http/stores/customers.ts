import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoCustomerStore, type CustomerStore } from '../../store/customer.store.ts';

let store: CustomerStore | undefined;

/** Customer cards, their lookups and the customer list, for this process (built once). */
export function customerStore(): CustomerStore {
  store ??= dynamoCustomerStore(dynamo(), config().TABLE_NAME);
  return store;
}

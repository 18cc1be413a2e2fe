import { createContext, useContext } from 'react';
import type { Me } from './api';

export type AuthStatus = 'loading' | 'signedIn' | 'signedOut';

export interface Auth {
  status: AuthStatus;
  user: Me | null;
  signedIn: (user: Me) => void;
  logout: () => Promise<void>;
}

export const AuthContext = createContext<Auth>({
  status: 'loading',
  user: null,
  signedIn: () => {},
  logout: async () => {},
});

export function useAuth(): Auth {
  return useContext(AuthContext);
}
